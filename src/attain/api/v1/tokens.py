"""Your API tokens: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from fastapi import APIRouter, Response

from attain.api.deps import ContextDep, PrincipalDep
from attain.api.schemas import Token, TokenCreate, TokenCreated
from attain.services import auth

router = APIRouter(prefix="/tokens", tags=["auth"])


@router.get("", response_model=list[Token])
def list_tokens(principal: PrincipalDep, context: ContextDep) -> object:
    """Your tokens, newest first (never their secrets)."""
    return auth.list_tokens(context.url, principal)


@router.post("", response_model=TokenCreated, status_code=201)
def create_token(body: TokenCreate, principal: PrincipalDep, context: ContextDep) -> TokenCreated:
    """Issue a token that acts as you (same role and scope). Store the secret: it is shown once."""
    token_id, token = auth.create_token(context.url, principal, body.name)
    return TokenCreated(id=token_id, name=body.name, token=token)


@router.delete("/{token_id}", status_code=204)
def revoke_token(token_id: int, principal: PrincipalDep, context: ContextDep) -> Response:
    """Revoke one of your tokens (admins may revoke any)."""
    auth.revoke_token(context.url, principal, token_id)
    return Response(status_code=204)
