import sys

from bench.generation import main

if __name__ == "__main__":
    sys.exit(main())
