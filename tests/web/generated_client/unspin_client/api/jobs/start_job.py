from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.analyze_request_type_0 import AnalyzeRequestType0
from ...models.analyze_request_type_1 import AnalyzeRequestType1
from ...models.analyze_request_type_2 import AnalyzeRequestType2
from ...models.error import Error
from ...models.job import Job
from ...types import Response


def _get_kwargs(
    *,
    body: AnalyzeRequestType0 | AnalyzeRequestType1 | AnalyzeRequestType2,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/api/jobs",
    }

    if isinstance(body, AnalyzeRequestType0) or isinstance(body, AnalyzeRequestType1):
        _kwargs["json"] = body.to_dict()
    else:
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Error | Job | None:
    if response.status_code == 202:
        response_202 = Job.from_dict(response.json())

        return response_202

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
) -> Response[Error | Job]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AnalyzeRequestType0 | AnalyzeRequestType1 | AnalyzeRequestType2,
) -> Response[Error | Job]:
    """Start Job

     Start analyzing one of `text`, `url` or `html` in the background (same body as
    `POST /api/analyze`). Answers 202 with `Location: /api/jobs/{id}`; poll it for progress.
    A `url` is fetched by the job once it runs (a malformed one is refused at once; one that
    cannot be fetched fails the job with the reason).

    Args:
        body (AnalyzeRequestType0 | AnalyzeRequestType1 | AnalyzeRequestType2): Body of `POST
            /api/analyze`: exactly one of `text`, `url`, `html`. Types are strict
            (`threshold` is a JSON number, not `true` or `"0.5"`) and unknown keys are refused.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Job]
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
    body: AnalyzeRequestType0 | AnalyzeRequestType1 | AnalyzeRequestType2,
) -> Error | Job | None:
    """Start Job

     Start analyzing one of `text`, `url` or `html` in the background (same body as
    `POST /api/analyze`). Answers 202 with `Location: /api/jobs/{id}`; poll it for progress.
    A `url` is fetched by the job once it runs (a malformed one is refused at once; one that
    cannot be fetched fails the job with the reason).

    Args:
        body (AnalyzeRequestType0 | AnalyzeRequestType1 | AnalyzeRequestType2): Body of `POST
            /api/analyze`: exactly one of `text`, `url`, `html`. Types are strict
            (`threshold` is a JSON number, not `true` or `"0.5"`) and unknown keys are refused.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Job
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AnalyzeRequestType0 | AnalyzeRequestType1 | AnalyzeRequestType2,
) -> Response[Error | Job]:
    """Start Job

     Start analyzing one of `text`, `url` or `html` in the background (same body as
    `POST /api/analyze`). Answers 202 with `Location: /api/jobs/{id}`; poll it for progress.
    A `url` is fetched by the job once it runs (a malformed one is refused at once; one that
    cannot be fetched fails the job with the reason).

    Args:
        body (AnalyzeRequestType0 | AnalyzeRequestType1 | AnalyzeRequestType2): Body of `POST
            /api/analyze`: exactly one of `text`, `url`, `html`. Types are strict
            (`threshold` is a JSON number, not `true` or `"0.5"`) and unknown keys are refused.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Error | Job]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: AnalyzeRequestType0 | AnalyzeRequestType1 | AnalyzeRequestType2,
) -> Error | Job | None:
    """Start Job

     Start analyzing one of `text`, `url` or `html` in the background (same body as
    `POST /api/analyze`). Answers 202 with `Location: /api/jobs/{id}`; poll it for progress.
    A `url` is fetched by the job once it runs (a malformed one is refused at once; one that
    cannot be fetched fails the job with the reason).

    Args:
        body (AnalyzeRequestType0 | AnalyzeRequestType1 | AnalyzeRequestType2): Body of `POST
            /api/analyze`: exactly one of `text`, `url`, `html`. Types are strict
            (`threshold` is a JSON number, not `true` or `"0.5"`) and unknown keys are refused.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Error | Job
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
