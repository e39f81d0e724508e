"""``POST /admin/users/{user_id}/logout``: signs a user out everywhere.

Every token of that user issued up to now is refused, in this process and in every process
that shares the policy's ``revocation.redis_url``, within milliseconds (``engine.revoke``
with ``sub``). The policy decides who may: the ``logout`` action on a ``user`` resource.
With a policy whose revocation source cannot be written to (none, ``inline``), the route
answers 501.
"""

import os
from typing import Any, Dict

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from wardgate import Engine, Principal, RevokeError
from wardgate.fastapi import Guard

from .schemas import ErrorOut

#: How long the revocation is kept, in seconds: longer than any token lives (Better Auth's
#: default is 15 minutes), plus the policy's leeway. ``WARDGATE_REVOKE_TTL`` overrides it.
DEFAULT_TTL = 3600

#: The HTTP answer to each way a revocation can fail.
REVOKE_STATUS = {"REVOKE_INVALID": 422, "REVOKE_UNSUPPORTED": 501, "REVOKE_FAILED": 503}


def admin_router(guard: Guard, engine: Engine) -> APIRouter:
    router = APIRouter(prefix="/admin", tags=["admin"], responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}})
    ttl = int(os.environ.get("WARDGATE_REVOKE_TTL") or DEFAULT_TTL)

    @router.post("/users/{user_id}/logout", status_code=204, responses={501: {"model": ErrorOut}, 503: {"model": ErrorOut}})
    async def logout(user_id: str, admin: Principal = Depends(guard.require("logout", "user"))) -> Response:
        """Refuses every token of ``user_id`` issued up to now, wherever it is presented."""
        try:
            await engine.arevoke(sub=user_id, ttl=ttl)
        except RevokeError as error:
            status = REVOKE_STATUS.get(error.code, 503)
            body: Dict[str, Any] = {"detail": error.detail, "code": error.code, "status": status, "reason": "not_revoked"}
            headers = {"Retry-After": "5"} if status == 503 else None
            return JSONResponse(body, status_code=status, headers=headers)
        return Response(status_code=204)

    return router
