import pytest

from loi_portal import demo
from loi_portal.governance import new_calls_allowed
from loi_portal.governance_models import Divergence

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_a_divergence_with_both_positions_once():
    demo.seed({})
    demo.seed({})
    divergence = Divergence.objects.get()
    assert {p.side.code for p in divergence.positions.all()} == {"EU", "JP"}
    assert new_calls_allowed()
