"""Uploading a file to the homeserver's media repository and the m.file content that points at it."""

from __future__ import annotations

import io
from typing import Any

from nio import AsyncClient, UploadResponse

from bot.matrix.transport import NETWORK_ERRORS, SendError, Unavailable


async def file_content(client: AsyncClient, data: bytes, filename: str, mimetype: str, encrypt: bool) -> dict[str, Any]:
    """Upload `data` (encrypted for an encrypted room) and return the content of an m.file message for it."""
    try:
        response, keys = await client.upload(
            io.BytesIO(data), content_type=mimetype, filename=filename, encrypt=encrypt, filesize=len(data)
        )
    except NETWORK_ERRORS as exc:
        raise Unavailable(f"upload: {type(exc).__name__}") from None
    if not isinstance(response, UploadResponse):
        status = getattr(getattr(response, "transport_response", None), "status", None)
        if status is None or status >= 500 or getattr(response, "status_code", None) == "M_LIMIT_EXCEEDED":
            raise Unavailable(f"upload: {response}")
        raise SendError(getattr(response, "status_code", None) or str(status), getattr(response, "message", "") or "")
    content: dict[str, Any] = {
        "msgtype": "m.file",
        "body": filename,
        "filename": filename,
        "info": {"mimetype": mimetype, "size": len(data)},
        "m.mentions": {},
    }
    if encrypt:
        content["file"] = {**keys, "url": response.content_uri, "mimetype": mimetype}
    else:
        content["url"] = response.content_uri
    return content
