"""The OpenAPI 3.1 description of ``/api/v1``, served at ``/api/v1/openapi.json``.

Written here as data (the schemas in webapp/openapi_schemas.py); the tests validate it and
check real responses against its schemas, so a change to a response shape must be made in
webapp/api_json.py and there.
"""

from __future__ import annotations

from functools import cache

from models import CoverageStatus, Medium

from .openapi_schemas import FIRST_DAY, LAST_DAY, MAX_ID, SCHEMAS, STRING, enum_of, ref

VERSION = "1.0.0"


def _query(name: str, description: str, schema: dict, **extra) -> dict:
    """An optional query parameter; sent empty (``?from=``), it is the same as left out."""
    return {
        "name": name,
        "in": "query",
        "description": description,
        "schema": schema,
        "allowEmptyValue": True,
        **extra,
    }


# A day from FIRST_DAY to LAST_DAY: JSON Schema has no date range, a pattern bounds the year.
DAY = {
    "type": "string",
    "format": "date",
    "pattern": r"^(19\d\d|20\d\d|2100)-\d\d-\d\d$",
    "description": f"From {FIRST_DAY} to {LAST_DAY}.",
}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


PARAMETERS = {
    "campaign": _query("campaign", "Campaign slug; its sub-campaigns are included.", STRING),
    "from": _query("from", "First publication day (Paris time), inclusive.", DAY),
    "to": _query("to", "Last publication day (Paris time), inclusive.", DAY),
    "limit": _query(
        "limit", "Clips per page.", {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}
    ),
    "cursor": _query(
        "cursor",
        "Where a page starts: taken from the previous page's next link.",
        ID,
    ),
    "coverage_status": _query("status", "Review status.", enum_of(CoverageStatus)),
    "medium": _query("medium", "Medium.", enum_of(Medium)),
    "updated_since": _query(
        "updated_since",
        "Only clips changed at or after this moment (ISO 8601; UTC without an offset).",
        {"type": "string", "format": "date-time"},
    ),
    "report_status": _query(
        "status",
        "Review status counted; all = new, confirmed and rejected.",
        {**enum_of(["confirmed", "new", "rejected", "all"]), "default": "confirmed"},
    ),
    "benchmark": _query(
        "benchmark",
        "Campaign slug to compare with for the share of voice (repeatable; needs campaign).",
        {"type": "array", "items": STRING},
        style="form",
        explode=True,
    ),
    "coverage_id": {
        "name": "coverage_id",
        "in": "path",
        "required": True,
        "schema": ID,
    },
    "slug": {"name": "slug", "in": "path", "required": True, "schema": STRING},
}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref("Error")}}}


RESPONSES = {
    "BadRequest": _error("An invalid parameter or body; the message says which."),
    "Unauthorized": {
        **_error("No token, or an unknown or revoked one."),
        "headers": {
            "WWW-Authenticate": {"schema": STRING, "description": 'Bearer realm="retombees"'}
        },
    },
    "Forbidden": _error("The role of the token's user does not allow this."),
    "NotFound": _error("No such clip or campaign."),
}


def _ok(schema: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def _params(*names: str) -> list[dict]:
    return [{"$ref": f"#/components/parameters/{name}"} for name in names]


def _errors(*codes: int) -> dict:
    names = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound"}
    return {str(code): {"$ref": f"#/components/responses/{names[code]}"} for code in codes}


def _get(operation_id: str, summary: str, ok: dict, params=(), errors=(401,)) -> dict:
    operation = {"operationId": operation_id, "summary": summary, "responses": {"200": ok}}
    if params:
        operation["parameters"] = _params(*params)
    operation["responses"].update(_errors(*errors))
    return {"get": operation}


PATHS = {
    "/coverage": _get(
        "listCoverage",
        "Clips, newest first, a page at a time",
        _ok("CoverageList", "A page of clips and the address of the next one."),
        ("campaign", "coverage_status", "medium", "from", "to", "updated_since", "limit", "cursor"),
        (400, 401),
    ),
    "/coverage/{coverage_id}": _get(
        "getCoverage",
        "One clip in full",
        _ok("CoverageDetail", "The clip."),
        ("coverage_id",),
        (401, 404),
    ),
    "/coverage/{coverage_id}/decision": {
        "post": {
            "operationId": "decideCoverage",
            "summary": "Confirm or reject a clip (needs the review permission)",
            "parameters": _params("coverage_id"),
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("Decision")}},
            },
            "responses": {
                "200": _ok("CoverageDetail", "The clip after the decision."),
                **_errors(400, 401, 403, 404),
            },
        }
    },
    "/campaigns": _get("listCampaigns", "Every campaign", _ok("CampaignList", "The campaigns.")),
    "/campaigns/{slug}": _get(
        "getCampaign",
        "One campaign with key messages, umbrella and sub-campaigns",
        _ok("CampaignDetail", "The campaign."),
        ("slug",),
        (401, 404),
    ),
    "/outlets": _get(
        "listOutlets",
        "The outlet registry, with audiences, rate cards and estimated flags",
        _ok("OutletList", "The outlets."),
    ),
    "/reports/campaign": _get(
        "campaignReport",
        "Campaign totals, identical to `retombees report --json`",
        _ok("Report", "Counts by medium, month and scope, reach, AVE and AMEC metrics."),
        ("campaign", "from", "to", "report_status", "benchmark"),
        (400, 401),
    ),
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This description (no token needed)",
            "security": [],
            "responses": {"200": {"description": "The OpenAPI document."}},
        }
    },
}


@cache
def openapi_document() -> dict:
    """Return the OpenAPI 3.1 document of the API."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Retombées API",
            "version": VERSION,
            "description": (
                "Coverage, campaigns, outlets and campaign reports of Retombées. Authenticate "
                "with a personal token created on your account page: "
                "`Authorization: Bearer rtb_…`. A token acts with its user's role. Dates are "
                "ISO 8601, money in euros."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (starts with rtb_).",
                }
            },
            "schemas": SCHEMAS,
            "parameters": PARAMETERS,
            "responses": RESPONSES,
        },
    }
