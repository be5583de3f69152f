"""A call the user may not see answers exactly like a call that does not exist, and a malformed id
in the API is a 404, never a server error."""

import pytest
from django.urls import reverse

from calls.enums import CallState
from tests.factories import make_call

pytestmark = pytest.mark.django_db

MISSING = 999_999_999


@pytest.mark.parametrize("page", ["proposals:start", "proposals:call_list"])
def test_a_draft_call_is_missing_to_a_researcher_on_either_side(
    page, eu_researcher, jp_researcher, client_for
):
    draft = make_call(state=CallState.DRAFT)
    for researcher in (eu_researcher, jp_researcher):
        client = client_for(researcher)
        hidden = client.get(reverse(page, args=[draft.pk]))
        missing = client.get(reverse(page, args=[MISSING]))
        assert hidden.status_code == missing.status_code == 404
        assert draft.title not in hidden.content.decode()


def test_an_open_call_still_opens_the_start_page_for_a_researcher(open_call, eu_researcher, client_for):
    assert client_for(eu_researcher).get(reverse("proposals:start", args=[open_call.pk])).status_code == 200


@pytest.mark.parametrize("job_id", ["abc", "12abc", str(MISSING)])
def test_a_malformed_or_missing_export_id_is_404(job_id, eu_officer, client_for):
    response = client_for(eu_officer).get(f"/api/v1/exports/{job_id}/download/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
