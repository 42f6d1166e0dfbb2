"""Chat: retrieval over a learner's own material and the websocket limits (see docs/chat.md)."""

from learning_platform.settings.env import env

#: Longest question accepted on the socket, in characters; longer ones get an error frame.
CHAT_MAX_MESSAGE_CHARS = env.int("CHAT_MAX_MESSAGE_CHARS", default=2000)
#: Questions per minute per learner, over all their sockets; more get an error frame (the socket stays open).
CHAT_MESSAGES_PER_MINUTE = env.int("CHAT_MESSAGES_PER_MINUTE", default=20)
#: A socket with no message from its client for this long is closed (code 4408).
CHAT_IDLE_TIMEOUT_SECONDS = env.float("CHAT_IDLE_TIMEOUT_SECONDS", default=300.0)
#: Passages an answer is built from, and sentences it quotes at most.
CHAT_TOP_PASSAGES = env.int("CHAT_TOP_PASSAGES", default=5)
CHAT_ANSWER_SENTENCES = env.int("CHAT_ANSWER_SENTENCES", default=3)
#: Below this cosine similarity between the question and its best passage, the material "does not say".
CHAT_MIN_SIMILARITY = env.float("CHAT_MIN_SIMILARITY", default=0.35)
#: Threads onnxruntime uses to embed (per process); 0 lets onnxruntime decide.
CHAT_EMBEDDING_THREADS = env.int("CHAT_EMBEDDING_THREADS", default=1)
#: Learner indexes kept in memory per process (least recently used dropped first).
CHAT_INDEX_CACHE_SIZE = env.int("CHAT_INDEX_CACHE_SIZE", default=64)
#: Who writes answers: ``offline`` (extractive), ``openai`` or ``gguf`` (generated from the retrieved passages
#: only, checked, else the extractive answer); empty: the same as GENERATION_PROVIDER.
CHAT_ANSWER_PROVIDER = env.str("CHAT_ANSWER_PROVIDER", default="")
