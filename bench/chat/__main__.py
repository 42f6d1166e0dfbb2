import sys

from bench.chat import main

if __name__ == "__main__":
    sys.exit(main())
