import sys

from bench.api import main

if __name__ == "__main__":
    sys.exit(main())
