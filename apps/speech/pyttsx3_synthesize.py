"""Run as a script in a fresh process: reads text on stdin, writes a WAV with pyttsx3 (espeak-ng).

pyttsx3's espeak driver can hang on a second ``runAndWait`` in one process, so every synthesis gets a new
process (and the parent kills it after a time limit). Arguments: OUTPUT_PATH RATE [VOICE].
"""

import os
import sys
import time


def main() -> int:
    import pyttsx3

    output, rate = sys.argv[1], int(sys.argv[2])
    voice = sys.argv[3] if len(sys.argv) > 3 else ""
    engine = pyttsx3.init("espeak")
    engine.setProperty("rate", rate)
    if voice:
        engine.setProperty("voice", voice)
    engine.save_to_file(sys.stdin.read(), output)
    engine.runAndWait()
    # pyttsx3 2.99's espeak driver can leave its loop before espeak has finished a longer text; the driver
    # writes the file when espeak reports the end, from espeak's own thread. Wait for that (the parent's
    # time limit bounds the wait).
    driver = engine.proxy._driver
    while getattr(driver, "_speaking", False) or not os.path.exists(output):
        time.sleep(0.02)
    return 0


if __name__ == "__main__":
    sys.exit(main())
