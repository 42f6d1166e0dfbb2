import sys

from bench.documents import main

if __name__ == "__main__":  # PDF worker processes are spawned and import __main__ as __mp_main__
    sys.exit(main())
