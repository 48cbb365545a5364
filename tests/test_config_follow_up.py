"""`[policy.follow_up_days]`: the follow-up the call form proposes per outcome, checked on load."""

from __future__ import annotations

import dataclasses

import pytest

from arcollect_tui.config import Config, FollowUpDays, Policy, config_from_dict, load_config
from arcollect_tui.errors import InputError
from arcollect_tui.services.actions import OUTCOMES


def test_defaults_cover_the_contract_outcomes():
    days = Config().policy.follow_up_days
    assert tuple(f.name for f in dataclasses.fields(FollowUpDays)) == OUTCOMES
    assert {o: days.for_outcome(o) for o in OUTCOMES} == {
        "no_answer": 2, "voicemail": 2, "reached": 7, "promise": 0, "refused": 1, "dispute": 7,
        "wrong_contact": 1, "paid_claimed": 3}
    assert days.for_outcome("sent") is None and days.for_outcome("other") is None
    assert days.for_outcome("for_outcome") is None       # a method name is not an outcome


def test_a_file_overrides_some_and_keeps_the_rest(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[policy]\nwarning_notice_days = 14\n\n[policy.follow_up_days]\nno_answer = 1\npromise = 1\n")
    cfg = load_config(path)
    assert cfg.policy.warning_notice_days == 14
    assert cfg.policy.follow_up_days == FollowUpDays(no_answer=1, promise=1)
    assert cfg.policy.follow_up_days.voicemail == 2
    assert cfg.policy == Policy(warning_notice_days=14, follow_up_days=FollowUpDays(no_answer=1, promise=1))
    hash(cfg.policy)                                     # still a frozen, hashable value


@pytest.mark.parametrize("table, fragment", [
    ({"nope": 3}, "[policy.follow_up_days] nope: unknown setting (known: no_answer, voicemail"),
    ({"reached": -1}, "[policy.follow_up_days] reached: -1: expected zero or more"),
    ({"reached": "7"}, "[policy.follow_up_days] reached: '7': expected a whole number"),
    ({"reached": 2.5}, "[policy.follow_up_days] reached: 2.5: expected a whole number"),
    ({"reached": True}, "[policy.follow_up_days] reached: True: expected a whole number"),
    ({"reached": 367}, "[policy.follow_up_days] reached: 367: expected at most 366 days"),
])
def test_bad_values_name_the_key(table, fragment):
    with pytest.raises(InputError) as err:
        config_from_dict({"policy": {"follow_up_days": table}})
    assert fragment in str(err.value)


def test_the_table_must_be_a_table(tmp_path):
    with pytest.raises(InputError, match=r"\[policy\] follow_up_days: 5: expected a table \[policy.follow_up_days\]"):
        config_from_dict({"policy": {"follow_up_days": 5}})
    path = tmp_path / "c.toml"
    path.write_text("[policy]\nfollow_up_days = 5\n")
    with pytest.raises(InputError, match="expected a table"):
        load_config(path)


def test_every_problem_is_reported_at_once():
    with pytest.raises(InputError) as err:
        config_from_dict({"policy": {"follow_up_days": {"nope": 1, "refused": -2}, "warning_notice_days": "x"}})
    assert len(err.value.problems) == 3


def test_zero_and_the_maximum_are_allowed():
    cfg = config_from_dict({"policy": {"follow_up_days": {"no_answer": 0, "dispute": 366}}})
    assert (cfg.policy.follow_up_days.no_answer, cfg.policy.follow_up_days.dispute) == (0, 366)
