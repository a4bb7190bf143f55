"""Opening a store from a URL, including Prefect blocks (Prefect lives in flows/ only).

``prefect-block://NAME`` loads the prefect-aws ``S3Bucket`` block ``NAME`` (saved with
``S3Bucket(bucket_name=..., bucket_folder=..., credentials=AwsCredentials(...) or
MinIOCredentials(...)).save(NAME)``) and uses its bucket, folder and credentials,
endpoint included. Every other URL goes to :func:`ingest.store.open_store`.
"""

from __future__ import annotations

from ingest.store import S3Store, Store
from ingest.store import open_store as open_url

BLOCK_SCHEME = "prefect-block://"


def open_store(url: str, s3_endpoint: str | None = None) -> Store:
    """A store for ``url``; raises ``ValueError`` for an unknown block or a bad URL.

    The error names the block, never its credentials.
    """
    if not url.startswith(BLOCK_SCHEME):
        return open_url(url, s3_endpoint=s3_endpoint)
    from prefect_aws import S3Bucket

    name = url[len(BLOCK_SCHEME) :].strip("/")
    try:
        block = S3Bucket.load(name)
    except ValueError:
        raise ValueError(f"no S3Bucket block named {name!r} (create one with prefect-aws, then save it under that name)") from None
    return S3Store(block.bucket_name, block.bucket_folder or "", client=block.credentials.get_s3_client())
