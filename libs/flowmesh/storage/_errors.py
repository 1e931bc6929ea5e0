from __future__ import annotations


class StorageError(Exception):
    """Internal storage could not do what was asked."""


class InvalidStoragePath(StorageError):
    """A path or URI that internal storage refuses: malformed, or reaching outside its root."""


class StoredFileNotFound(StorageError):
    """No file is stored under the URI asked for."""
