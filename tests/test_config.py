import pytest

from arcollect_tui.config import Config, Policy, config_from_dict, load_config
from arcollect_tui.errors import InputError


def test_defaults_are_the_contract_policy():
    p = Config().policy
    assert (p.reminder_from_dpd, p.follow_up_from_dpd, p.warning_from_dpd) == (1, 15, 30)
    assert (p.warning_notice_days, p.warning_valid_days, p.referral_from_dpd, p.promise_tolerance_days) == (10, 30, 90, 2)
    assert Config().default_currency == "USD"


def test_absent_default_file_means_defaults(tmp_path):
    assert load_config(None) == Config()


def test_file_overrides_and_validates(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('user = "mei"\ndefault_currency = "sgd"\n[policy]\nwarning_notice_days = 14\n'
                    '[import]\ndate_order = "DMY"\n[mail]\nhost = "localhost"\nport = 2525\nsecurity = "none"\n')
    cfg = load_config(path)
    assert cfg.user_name == "mei" and cfg.default_currency == "SGD"
    assert cfg.policy == Policy(warning_notice_days=14)
    assert cfg.import_.date_order == "DMY"
    assert (cfg.mail.host, cfg.mail.port, cfg.mail.security) == ("localhost", 2525, "none")


@pytest.mark.parametrize(
    "data, fragment",
    [
        ({"policy": {"warning_notice_days": -1}}, "[policy] warning_notice_days"),
        ({"policy": {"warning_notice_days": True}}, "expected a whole number"),
        ({"policy": {"nope": 1}}, "[policy] nope: unknown setting"),
        ({"import": {"date_order": "YMD"}}, "[import] date_order"),
        ({"mail": {"security": "ssl"}}, "[mail] security"),
        ({"colour": "red"}, "colour: unknown setting"),
        ({"policy": 3}, "[policy] must be a table"),
        ({"policy": {"follow_up_from_dpd": 40}}, "[policy] warning_from_dpd: 30: expected at least follow_up_from_dpd"),
        ({"policy": {"warning_notice_days": 31}}, "[policy] warning_valid_days"),
        ({"policy": {"reminder_from_dpd": 0}}, "[policy] reminder_from_dpd: 0: expected 1 or more"),
    ],
)
def test_bad_values_name_the_key(data, fragment):
    with pytest.raises(InputError) as err:
        config_from_dict(data)
    assert fragment in str(err.value)


def test_invalid_toml_is_input_error(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[policy\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_config(path)


def test_priority_weights_and_fx_rates(tmp_path):
    from decimal import Decimal

    path = tmp_path / "c.toml"
    path.write_text('[priority]\nbroken_promise = 40\n[fx]\nbase = "usd"\nEUR = "1.08"\nJPY = 0.0066\n')
    cfg = load_config(path)
    assert cfg.priority.broken_promise == 40 and cfg.priority.stage_warning_due == 40
    assert cfg.fx_base == "USD" and cfg.fx == {"EUR": Decimal("1.08"), "JPY": Decimal("0.0066"), "USD": Decimal(1)}
    with pytest.raises(InputError) as err:
        config_from_dict({"fx": {"base": "USD", "EUR": "-1", "XYZ": "2"}, "priority": {"nope": 1}})
    text = str(err.value)
    assert "[fx] EUR" in text and "[fx] XYZ" in text and "[priority] nope" in text


def test_bank_backup_approval_and_signature_tables(tmp_path):
    from arcollect_tui.config import config_from_dict

    cfg = config_from_dict({"mail": {"signature": "Jane\nAccounts Receivable"},
                            "bank": {"iban": "DE02 1203 0000 0000 2020 51", "bic": "BYLADEM1001"},
                            "backup": {"keep": 3, "folder": "/var/backups/ar"},
                            "approval": {"collector": {"instalments": 4, "days": 120, "amount": "15000"}}})
    assert cfg.mail.signature == "Jane\nAccounts Receivable"
    assert (cfg.bank.iban, cfg.bank.bic, cfg.bank.bank_name) == ("DE02 1203 0000 0000 2020 51", "BYLADEM1001", "")
    assert (cfg.backup.keep, cfg.backup.folder) == (3, "/var/backups/ar")
    assert cfg.approval.collector.max_instalments == 4 and cfg.approval.collector.max_days == 120
    assert config_from_dict({}).backup.keep == 7


@pytest.mark.parametrize("data, named", [
    ({"bank": {"swift": "X"}}, "[bank] swift: unknown setting"),
    ({"backup": {"keep": -1}}, "[backup] keep: -1: expected zero or more"),
    ({"approval": {"collector": {"instalments": 2.5}}}, "[approval.collector] instalments: 2.5"),
    ({"approvals": {}}, "approvals: unknown setting"),
])
def test_bad_new_tables_name_the_key(data, named):
    from arcollect_tui.config import config_from_dict

    with pytest.raises(InputError) as info:
        config_from_dict(data)
    assert named in "\n".join(info.value.problems)
