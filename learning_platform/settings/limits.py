"""Request body limits, enforced before anything reads the body (apps.core.body_limit, an ASGI middleware).

Upload routes get the upload limit; every other route a small one. The ingress and the web pod's temp
volume are sized to match (deploy/k8s/base/ingress.yaml, web.yaml).
"""

from learning_platform.settings.documents import DOCUMENTS_MAX_UPLOAD_BYTES, MB
from learning_platform.settings.env import env
from learning_platform.settings.speech import SPEECH_MAX_UPLOAD_BYTES

#: Largest request body on every route except the upload routes (JSON, forms, the admin).
REQUEST_MAX_BODY_BYTES = env.int("REQUEST_MAX_BODY_BYTES", default=1 * MB)
#: Largest body on an upload route: the largest file either upload route takes (documents, recordings) plus room
#: for the multipart envelope and form fields. Each view then applies its own file limit.
REQUEST_UPLOAD_MAX_BODY_BYTES = env.int(
    "REQUEST_UPLOAD_MAX_BODY_BYTES", default=max(DOCUMENTS_MAX_UPLOAD_BYTES, SPEECH_MAX_UPLOAD_BYTES) + MB // 16
)
#: Paths (regular expressions, matched from the start) that accept REQUEST_UPLOAD_MAX_BODY_BYTES.
REQUEST_UPLOAD_PATHS = [
    r"/api/v1/documents/?$",
    r"/api/v1/transcriptions/?$",
    r"/documents/upload/$",  # the web app's upload forms
    r"/lectures/upload/$",
]

#: Django's own check of non-file request data (request.body, form fields), kept to the small limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BODY_BYTES
#: Uploaded files above this are spooled to a temp file (the web pod's /tmp volume) rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=2 * MB + MB // 2)
