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
        raise ValueError(
            f"no S3Bucket block named {name!r} (create one with prefect-aws, then save it under that name)"
        ) from None
    return S3Store(block.bucket_name, block.bucket_folder or "", client=block.credentials.get_s3_client())


def for_workers(url: str, s3_endpoint: str | None = None) -> tuple[str, str | None, dict[str, str]]:
    """``(url, s3_endpoint, environment)`` that open the same store in a worker process
    with no Prefect of its own: a block is resolved here into its bucket URL, endpoint
    and credentials (as the standard AWS variables, handed to the worker in memory,
    never logged). Other URLs pass unchanged."""
    if not url.startswith(BLOCK_SCHEME):
        return url, s3_endpoint, {}
    from prefect_aws import AwsCredentials, MinIOCredentials, S3Bucket

    name = url[len(BLOCK_SCHEME) :].strip("/")
    try:
        block = S3Bucket.load(name)
    except ValueError:
        raise ValueError(
            f"no S3Bucket block named {name!r} (create one with prefect-aws, then save it under that name)"
        ) from None
    creds = block.credentials
    env: dict[str, str] = {}
    if isinstance(creds, AwsCredentials):
        if creds.aws_access_key_id:
            env["AWS_ACCESS_KEY_ID"] = creds.aws_access_key_id
        if creds.aws_secret_access_key:
            env["AWS_SECRET_ACCESS_KEY"] = creds.aws_secret_access_key.get_secret_value()
        if creds.aws_session_token:
            env["AWS_SESSION_TOKEN"] = creds.aws_session_token
        if creds.profile_name:
            env["AWS_PROFILE"] = creds.profile_name
    elif isinstance(creds, MinIOCredentials):
        env["AWS_ACCESS_KEY_ID"] = creds.minio_root_user
        env["AWS_SECRET_ACCESS_KEY"] = creds.minio_root_password.get_secret_value()
    if creds.region_name:
        env["AWS_DEFAULT_REGION"] = creds.region_name
    endpoint = creds.aws_client_parameters.endpoint_url if creds.aws_client_parameters else None
    folder = (block.bucket_folder or "").strip("/")
    return f"s3://{block.bucket_name}/{folder}", endpoint or s3_endpoint, env
