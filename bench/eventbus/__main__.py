import sys

from bench.eventbus import main

if __name__ == "__main__":
    sys.exit(main())
