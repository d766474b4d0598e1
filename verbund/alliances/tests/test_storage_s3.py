"""Uploaded documents in an S3-compatible object store (issue 10, item 4).

A real S3 server (moto's server mode, on a free port of this machine) is started by the test and a
bucket created in it; the settings point ``STORAGES["default"]`` at it as ``STORAGE_BACKEND=s3``
does. Then through the pages: a coordinator uploads an agreement (it lands in the bucket, checked
and with its SHA-256), a member's clerk downloads it (streamed from the store), an outsider gets
404, and a failed database write deletes the object it had just stored. A second test shows that
every settings module keeps the S3 storage when ``STORAGE_BACKEND=s3`` (production used to replace
it with the local disk).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from unittest import mock

import boto3
import pytest
from botocore.response import StreamingBody
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.test import Client, override_settings
from django.urls import reverse

from config.env import BASE_DIR
from verbund.alliances.models import AgreementDocument
from verbund.alliances.tests.factories import pdf_bytes
from verbund.common.storage import open_stored

pytestmark = pytest.mark.django_db

BUCKET = "verbund-dokumente"
CREDENTIALS = {"aws_access_key_id": "verbund-test", "aws_secret_access_key": "verbund-test-secret"}
REGION = "eu-central-1"


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server on a free local port, for this test only."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3(s3_endpoint: str) -> Iterator[Any]:
    """The settings of ``STORAGE_BACKEND=s3`` pointed at the moto server; the bucket's client."""
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION, **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    storages = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": REGION,
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Django's setting_changed handler forgets the cached storages (django.core.files.storage.storages
    # and default_storage); FileFields hold default_storage, a lazy object, so they follow.
    with (
        override_settings(STORAGES=storages),
        mock.patch.dict(os.environ, {"AWS_EC2_METADATA_DISABLED": "true"}),
    ):
        from storages.backends.s3 import S3Storage

        assert isinstance(default_storage, S3Storage)
        assert isinstance(AgreementDocument._meta.get_field("file").storage, S3Storage)
        yield client


def _keys(client: Any) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def _client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_upload_download_and_deletion_through_s3(s3: Any, alliance: Any, world: Any) -> None:
    content = pdf_bytes("Zweckvereinbarung", padding=300_000)
    coordinator = _client_for(world.coordinator)
    response = coordinator.post(
        reverse("alliances:agreement_upload", args=[alliance.slug]),
        {"title": "Zweckvereinbarung", "file": SimpleUploadedFile("zv.pdf", content, "application/pdf")},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    document = AgreementDocument.objects.get(alliance=alliance)
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    # the object is in the bucket, byte for byte, private
    assert _keys(s3) == [document.file.name]
    stored = s3.get_object(Bucket=BUCKET, Key=document.file.name)["Body"].read()
    assert stored == content
    grants = s3.get_object_acl(Bucket=BUCKET, Key=document.file.name)["Grants"]
    assert all("AllUsers" not in str(grant.get("Grantee", {})) for grant in grants)

    url = reverse("alliances:agreement_file", args=[alliance.slug, document.pk])
    # a member body's clerk reads it, streamed from the store
    opened: list[Any] = []

    def spy(field_file: Any) -> Any:
        opened.append(open_stored(field_file))
        return opened[-1]

    with mock.patch("verbund.alliances.documents.open_stored", spy):
        response = _client_for(world.clerk_a).get(url)
    assert response.status_code == 200
    assert response.streaming
    # read from the store while sent (botocore's stream), not first copied into a temporary file
    assert len(opened) == 1 and isinstance(opened[0], StreamingBody)
    assert response["Content-Length"] == str(len(content))
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == content  # type: ignore[attr-defined]
    # an outsider (head of a body that is no member) and an anonymous visitor learn nothing
    assert _client_for(world.head_outsider).get(url).status_code == 404
    assert Client().get(url).status_code in {302, 404}

    # a gone object answers 404, not 500
    s3.delete_object(Bucket=BUCKET, Key=document.file.name)
    assert _client_for(world.clerk_a).get(url).status_code == 404

    # deletion: when the database write after storing fails, the stored object is removed again
    failing_save = mock.patch.object(AgreementDocument, "save", side_effect=IntegrityError("simulated"))
    with failing_save, pytest.raises(IntegrityError):
        coordinator.post(
            reverse("alliances:agreement_upload", args=[alliance.slug]),
            {"title": "Nachtrag", "file": SimpleUploadedFile("n.pdf", pdf_bytes("Nachtrag"))},
        )
    assert _keys(s3) == []
    # and the storage deletes what it stored
    name = default_storage.save("probe/loeschen.pdf", SimpleUploadedFile("x.pdf", pdf_bytes()))
    assert _keys(s3) == [name]
    default_storage.delete(name)
    assert _keys(s3) == []


def _storage_of(module: str, **env: str) -> dict[str, Any]:
    code = (
        "import json, django; django.setup()\n"
        "from django.conf import settings\n"
        "print(json.dumps(settings.STORAGES))"
    )
    clean = {"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": module}
    clean.update(env)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "module", ["config.settings.local", "config.settings.test", "config.settings.production"]
)
def test_every_settings_module_keeps_s3(module: str) -> None:
    env = {
        "SECRET_KEY": "k" * 40,
        "ALLOWED_HOSTS": "verbund.example.org",
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": "https://s3.example.org",
    }
    storages = _storage_of(module, **env)
    assert storages["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storages["default"]["OPTIONS"]["bucket_name"] == BUCKET
    assert storages["default"]["OPTIONS"]["endpoint_url"] == "https://s3.example.org"
    if module.endswith("production"):
        assert storages["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    # and without it: the local disk (in memory for the tests)
    local = _storage_of(module, **{**env, "STORAGE_BACKEND": "local"})
    expected = "InMemoryStorage" if module.endswith("test") else "FileSystemStorage"
    assert local["default"]["BACKEND"].endswith(expected)
