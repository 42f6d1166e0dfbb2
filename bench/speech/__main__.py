import sys

from bench.speech import main

if __name__ == "__main__":
    sys.exit(main())
