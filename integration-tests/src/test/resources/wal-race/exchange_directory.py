# Run as the database's user: keeps exchanging a directory with a link to a root-only directory, atomically
# (renameat2 RENAME_EXCHANGE), until the stop file appears. Prints how many exchanges it made.
import ctypes
import os
import sys

directory, link, stop = sys.argv[1], sys.argv[2], sys.argv[3]
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
RENAME_EXCHANGE = 2
exchanges = 0
while not os.path.exists(stop):
    if libc.renameat2(AT_FDCWD, directory.encode(), AT_FDCWD, link.encode(), RENAME_EXCHANGE) == 0:
        exchanges += 1
print(exchanges)
