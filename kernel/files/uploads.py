"""An upload handler that stops storing a file as soon as it is larger than a limit.

Django streams uploads to a temporary file; without this a 10 GB body would be written to
disk before the purpose's limit is checked. The handler must be installed before the request
body is parsed (before CSRF checks read request.POST), see views.owner_panel and api.py.
A reverse proxy should still cap bodies (nginx client_max_body_size).
"""
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

TOO_LARGE_ATTR = "zw_upload_too_large"


class SizeLimitHandler(FileUploadHandler):
    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            setattr(self.request, TOO_LARGE_ATTR, self.limit)
            raise SkipFile  # Django discards the rest of this file and every partial copy
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (memory or temporary file) builds the file


def limit_uploads(request, limit: int) -> None:
    """Install the handler on a Django request whose body has not been read yet."""
    request.upload_handlers.insert(0, SizeLimitHandler(request, limit))


def too_large(request) -> int | None:
    """The limit a skipped file exceeded, or None."""
    return getattr(request, TOO_LARGE_ATTR, None)
