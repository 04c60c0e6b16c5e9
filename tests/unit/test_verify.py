"""Verification after a switchover or a restore: what must have held."""

from upgrade.shared.models import Member
from upgrade.strategies.verify import promotion_tier_changes


def test_verification_names_every_instance_whose_promotion_tier_changed():
    members = [
        Member(instance_id="db-1", is_writer=True, instance_class="db.serverless", promotion_tier=0),
        Member(instance_id="db-2", is_writer=False, instance_class="db.serverless", promotion_tier=15),
        Member(instance_id="db-3", is_writer=False, instance_class="db.serverless", promotion_tier=None),
    ]
    now = [
        {"DBInstanceIdentifier": "db-1", "PromotionTier": 0},
        {"DBInstanceIdentifier": "db-2", "PromotionTier": 1},
        {"DBInstanceIdentifier": "db-3", "PromotionTier": 1},
    ]
    assert promotion_tier_changes(members, now) == [
        "instance db-2 has promotion tier 1, it had 15 (aws rds modify-db-instance --db-instance-identifier db-2 "
        "--promotion-tier 15 --apply-immediately)"
    ]
