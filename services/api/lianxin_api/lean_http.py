"""A POST of one JSON operation, read without strawberry's request parsing (issue 12).

strawberry's view reads every request the same general way: the content type parsed by
`email.message`, the body by `json.loads`, a request adapter asked for each header. For the request a
client sends nearly always (POST, `Content-Type: application/json` exactly, no `Accept` asking for a
stream, a body that is one JSON object with a string `query`) `run_json_post` does the same steps as
`AsyncBaseHTTPView.run` in the same order (root value, sub-response, context: authentication and the
rate limit first; then the operation through the view's own `execute_operation`, which refuses
anonymous callers, runs the schema with every extension and writes the access and audit logs; then
the view's `process_result`, `_handle_errors` and `create_response`), with the body read by orjson.
Anything else, and any body orjson reads differently from `json.loads` or not at all (orjson is
stricter: it refuses NaN, lone surrogates, numbers beyond 64 bits, a BOM), is handed to strawberry's
`run` with the context already made, so it answers (or refuses) exactly as before.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from strawberry.http import GraphQLRequestData
from strawberry.http.async_base_view import AsyncBaseHTTPView

SUB_RESPONSE_KEY = "lianxin.sub_response"  # the sub-response made here, for strawberry's run to reuse


def takes(view: Any, request: Request) -> bool:
    """Whether `run_json_post` reads this request: a POST with `Content-Type: application/json` (the
    first such header, as strawberry reads it) and no `Accept` that picks a streaming transport."""
    if request.method != "POST" or view.schema.config.enable_experimental_incremental_execution:
        return False
    content_type = accept = None
    for name, value in request.scope["headers"]:
        if name == b"content-type" and content_type is None:
            content_type = value
        elif name == b"accept" and accept is None:
            accept = value
    if content_type != b"application/json":
        return False
    return accept is None or view._get_stream_transport_from_headers(request.headers) is None


def operation(body: bytes) -> GraphQLRequestData | None:
    """What strawberry's `parse_http_body` makes of a JSON body holding one operation with a query,
    or None for anything else (left to strawberry)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(data) is not dict:
        return None
    query, variables, extensions = data.get("query"), data.get("variables"), data.get("extensions")
    if type(query) is not str:
        return None
    if not (variables is None or type(variables) is dict) or not (
        extensions is None or type(extensions) is dict
    ):
        return None
    return GraphQLRequestData(
        query=query,
        variables=variables,
        operation_name=data.get("operationName"),
        extensions=extensions,
        protocol="http",
    )


async def run_json_post(view: Any, request: Request) -> Response:
    """`AsyncBaseHTTPView.run` for a request `takes` accepted (see the module)."""
    root_value = await view.get_root_value(request)
    sub_response = await view.get_sub_response(request)
    context = await view.get_context(request, response=sub_response)
    request_data = operation(await request.body())
    if request_data is None:
        request.scope[SUB_RESPONSE_KEY] = sub_response  # (see `LianxinGraphQL.get_sub_response`)
        response: Response = await AsyncBaseHTTPView.run(
            view, request, context=context, root_value=root_value
        )
        return response
    result = await view.execute_operation(
        request=request,
        request_adapter=view.request_adapter_class(request),
        request_data=request_data,
        context=context,
        root_value=root_value,
        sub_response=sub_response,
    )
    # one result: no stream (the transport is "http", a subscription over POST is refused before it
    # runs, incremental delivery is off: see `takes`)
    response_data = await view.process_result(request=request, result=result)
    if result.errors:
        view._handle_errors(result.errors, response_data)
    made: Response = view.create_response(response_data=response_data, sub_response=sub_response)
    return made
