"""Demo data of the framework: organisations of both Sides and a user for every role on each Side."""

from loi_portal.enums import Role
from loi_portal.models import Organisation, Side, User
from loi_portal.services import grant_role

DEMO_PASSWORD = "demo-quantum-2026"  # noqa: S105 - printed for the demo, never used in production

ORGANISATIONS = [
    ("European Commission, DG CNECT", "BE", "EU", "ec.example.eu"),
    ("Technische Universität Delft", "NL", "EU", "tudelft.example.nl"),
    ("Forschungszentrum Jülich", "DE", "EU", "fz-juelich.example.de"),
    ("Université Paris-Saclay", "FR", "EU", "paris-saclay.example.fr"),
    ("Cabinet Office of Japan", "JP", "JP", "cao.example.jp"),
    ("東京大学", "JP", "JP", "u-tokyo.example.jp"),
    ("理化学研究所", "JP", "JP", "riken.example.jp"),
    ("大阪大学", "JP", "JP", "osaka-u.example.jp"),
]

PEOPLE = [
    # username, first, last, side, role, organisation index, language
    ("eu_officer", "Elena", "Rossi", "EU", Role.OFFICER, 0, "en"),
    ("jp_officer", "花子", "佐藤", "JP", Role.OFFICER, 4, "ja"),
    ("eu_expert", "Lars", "Nielsen", "EU", Role.EXPERT, 2, "en"),
    ("jp_expert", "健", "高橋", "JP", Role.EXPERT, 6, "ja"),
    ("eu_researcher", "Anna", "de Vries", "EU", Role.RESEARCHER, 1, "en"),
    ("jp_researcher", "太郎", "山田", "JP", Role.RESEARCHER, 5, "ja"),
    ("eu_evaluator1", "Marie", "Dubois", "EU", Role.EVALUATOR, 3, "en"),
    ("eu_evaluator2", "Jan", "Kowalski", "EU", Role.EVALUATOR, 2, "en"),
    ("eu_evaluator3", "Sofia", "García", "EU", Role.EVALUATOR, 3, "en"),
    ("jp_evaluator1", "一郎", "鈴木", "JP", Role.EVALUATOR, 7, "ja"),
    ("jp_evaluator2", "美咲", "田中", "JP", Role.EVALUATOR, 6, "ja"),
    ("jp_evaluator3", "直樹", "伊藤", "JP", Role.EVALUATOR, 7, "ja"),
    ("eu_observer", "Council", "Observer", "EU", Role.OBSERVER, 0, "en"),
    ("jp_observer", "委員会", "オブザーバー", "JP", Role.OBSERVER, 4, "ja"),
]


def seed(ctx: dict) -> list[tuple[str, str, str]]:
    """Creates (or finds) the demo organisations and users; returns the log-ins to print."""
    sides = {side.code: side for side in Side.objects.all()}
    orgs = []
    for name, country, side_code, domain in ORGANISATIONS:
        org, _ = Organisation.objects.get_or_create(
            name=name, country=country, defaults={"side": sides[side_code], "email_domain": domain}
        )
        orgs.append(org)
    ctx["organisations"] = orgs
    logins = []
    users = {}
    for username, first, last, side_code, role, org_index, language in PEOPLE:
        org = orgs[org_index]
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                email=f"{username}@{org.email_domain}",
                first_name=first,
                last_name=last,
                side=sides[side_code],
                organisation=org,
                language=language,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        if role not in user.roles:
            grant_role(user, role, by=None)
        users[username] = user
        logins.append((f"{side_code} {Role(role).label}", username, DEMO_PASSWORD))
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser("admin", "admin@loi-portal.example.org", DEMO_PASSWORD)
    logins.append(("Administrator", "admin", DEMO_PASSWORD))
    ctx["users"] = users
    seed_governance(users)
    return logins


def seed_governance(users: dict) -> None:
    """A divergence of opinion with both Sides' written positions (the letter itself is recorded by
    migration 0003). No discontinuation notice: it would stop new calls."""
    from loi_portal import governance
    from loi_portal.governance_models import Divergence

    subject = "Weight of the Impact criterion in the first joint call"
    if Divergence.objects.filter(subject=subject).exists():
        return
    divergence = governance.open_divergence(
        subject,
        by=users["eu_officer"],
        description="The Sides weigh Impact differently when ranking proposals under the Partnership Plan.",
    )
    governance.write_divergence_position(
        divergence,
        text="Impact should weigh 1.5 for ranking, as in Horizon Europe innovation actions.",
        by=users["eu_officer"],
    )
    governance.write_divergence_position(
        divergence,
        text="社会実装戦略を重視するため、インパクトの重みは 1.0 とすべきです。",
        by=users["jp_officer"],
    )
