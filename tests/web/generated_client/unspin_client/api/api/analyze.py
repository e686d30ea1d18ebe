from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.analysis import Analysis
from ...models.analyze_body_type_0 import AnalyzeBodyType0
from ...models.analyze_body_type_1 import AnalyzeBodyType1
from ...models.analyze_body_type_2 import AnalyzeBodyType2
from ...models.error import Error
from ...types import Response


def _get_kwargs(
    *,
    body: AnalyzeBodyType0 | AnalyzeBodyType1 | AnalyzeBodyType2,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/analyze",
    }

    if isinstance(body, AnalyzeBodyType0) or isinstance(body, AnalyzeBodyType1):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Analysis | Error | None:
    if response.status_code == 200:
        response_200 = Analysis.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Error.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Error.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Error.from_dict(response.json())

        return response_403

    if response.status_code == 413:
        response_413 = Error.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Error.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Error.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = Error.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Error.from_dict(response.json())

        return response_500

    if response.status_code == 502:
        response_502 = Error.from_dict(response.json())

        return response_502

    if response.status_code == 503:
        response_503 = Error.from_dict(response.json())

        return response_503

    if response.status_code == 504:
        response_504 = Error.from_dict(response.json())

        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Analysis | Error]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AnalyzeBodyType0 | AnalyzeBodyType1 | AnalyzeBodyType2,
) -> Response[Analysis | Error]:
    """Analyze

     Analyze one of `text`, `url` or `html`: spans (start, end, text, technique, score, why)
    and document figures; saved (with a permalink) unless `save` is false. CRLF/CR line
    endings become LF first (`meta.normalized` says how many; offsets index `text`).

    Args:
        body (AnalyzeBodyType0 | AnalyzeBodyType1 | AnalyzeBodyType2): Body of `POST
            /api/analyze`: exactly one of `text`, `url`, `html`. Types are strict
            (`threshold` is a JSON number, not `true` or `"0.5"`) and unknown keys are refused.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Analysis | Error]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: AnalyzeBodyType0 | AnalyzeBodyType1 | AnalyzeBodyType2,
) -> Analysis | Error | None:
    """Analyze

     Analyze one of `text`, `url` or `html`: spans (start, end, text, technique, score, why)
    and document figures; saved (with a permalink) unless `save` is false. CRLF/CR line
    endings become LF first (`meta.normalized` says how many; offsets index `text`).

    Args:
        body (AnalyzeBodyType0 | AnalyzeBodyType1 | AnalyzeBodyType2): Body of `POST
            /api/analyze`: exactly one of `text`, `url`, `html`. Types are strict
            (`threshold` is a JSON number, not `true` or `"0.5"`) and unknown keys are refused.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Analysis | Error
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AnalyzeBodyType0 | AnalyzeBodyType1 | AnalyzeBodyType2,
) -> Response[Analysis | Error]:
    """Analyze

     Analyze one of `text`, `url` or `html`: spans (start, end, text, technique, score, why)
    and document figures; saved (with a permalink) unless `save` is false. CRLF/CR line
    endings become LF first (`meta.normalized` says how many; offsets index `text`).

    Args:
        body (AnalyzeBodyType0 | AnalyzeBodyType1 | AnalyzeBodyType2): Body of `POST
            /api/analyze`: exactly one of `text`, `url`, `html`. Types are strict
            (`threshold` is a JSON number, not `true` or `"0.5"`) and unknown keys are refused.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Analysis | Error]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: AnalyzeBodyType0 | AnalyzeBodyType1 | AnalyzeBodyType2,
) -> Analysis | Error | None:
    """Analyze

     Analyze one of `text`, `url` or `html`: spans (start, end, text, technique, score, why)
    and document figures; saved (with a permalink) unless `save` is false. CRLF/CR line
    endings become LF first (`meta.normalized` says how many; offsets index `text`).

    Args:
        body (AnalyzeBodyType0 | AnalyzeBodyType1 | AnalyzeBodyType2): Body of `POST
            /api/analyze`: exactly one of `text`, `url`, `html`. Types are strict
            (`threshold` is a JSON number, not `true` or `"0.5"`) and unknown keys are refused.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Analysis | Error
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
