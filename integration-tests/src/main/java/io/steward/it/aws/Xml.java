package io.steward.it.aws;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.SAXException;

/** Just enough XML for Route 53's requests and answers. */
final class Xml {
    static final String NAMESPACE = "https://route53.amazonaws.com/doc/2013-04-01/";

    private Xml() {}

    static Element parse(byte[] body) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            return factory.newDocumentBuilder()
                    .parse(new ByteArrayInputStream(body))
                    .getDocumentElement();
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw Route53Error.invalidInput("The XML document is malformed: " + e.getMessage());
        }
    }

    static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && name.equals(element.getLocalName())) {
                found.add(element);
            }
        }
        return found;
    }

    static Optional<Element> child(Element parent, String name) {
        return children(parent, name).stream().findFirst();
    }

    static Optional<String> text(Element parent, String name) {
        return child(parent, name).map(e -> e.getTextContent().trim());
    }

    /** Appends {@code <name>text</name>}. */
    static StringBuilder element(StringBuilder xml, String name, Object text) {
        return xml.append('<')
                .append(name)
                .append('>')
                .append(escape(String.valueOf(text)))
                .append("</")
                .append(name)
                .append('>');
    }

    static String document(String root, String content) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + root + " xmlns=\"" + NAMESPACE + "\">" + content + "</"
                + root + ">";
    }

    static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }
}
