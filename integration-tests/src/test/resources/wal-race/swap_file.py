# Run as the database's user: keeps turning the WAL file that is archived next (the oldest marked ready in
# archive_status) into a link to a root-only file and back, as fast as it can, until the stop file appears. Prints how
# many swaps it made.
import os
import sys

wal_directory, secret, stop = sys.argv[1], sys.argv[2], sys.argv[3]
status = os.path.join(wal_directory, "archive_status")
swaps = 0
rounds = 0
name = None
while not os.path.exists(stop):
    rounds += 1
    if name is None or rounds % 16 == 0:
        ready = sorted(entry[:-len(".ready")] for entry in os.listdir(status) if entry.endswith(".ready"))
        name = ready[0] if ready else None
        if name is None:
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
