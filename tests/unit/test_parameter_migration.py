from upgrade.preparation.parameter_migration import accepts, carry_over

TARGET = [
    {"ParameterName": "rds.logical_replication", "AllowedValues": "0,1", "IsModifiable": True},
    {"ParameterName": "work_mem", "AllowedValues": "64-2147483647", "IsModifiable": True, "DataType": "integer"},
    {"ParameterName": "debug_parallel_query", "AllowedValues": "off,on,regress", "IsModifiable": True},
    {
        "ParameterName": "shared_preload_libraries",
        "AllowedValues": "pg_stat_statements,pgaudit,pg_cron",
        "IsModifiable": True,
        "DataType": "list",
    },
    {"ParameterName": "rds.extensions", "IsModifiable": False},
]


def test_carries_known_values_renames_and_drops_with_reasons():
    decision = carry_over(
        {
            "rds.logical_replication": "1",
            "work_mem": "8192",
            "force_parallel_mode": "on",
            "stats_temp_directory": "/tmp",
            "shared_preload_libraries": "pg_stat_statements,pg_hint_plan",
            "rds.extensions": "x",
        },
        TARGET,
    )
    assert decision.carried == {"rds.logical_replication": "1", "work_mem": "8192", "debug_parallel_query": "on"}
    assert decision.renamed == {"force_parallel_mode": "debug_parallel_query"}
    assert set(decision.dropped) == {"stats_temp_directory", "shared_preload_libraries", "rds.extensions"}
    assert "pg_hint_plan" in decision.dropped["shared_preload_libraries"]


def test_values_are_checked_against_ranges_and_lists():
    work_mem = TARGET[1]
    assert accepts(work_mem, "64") and not accepts(work_mem, "63") and not accepts(work_mem, "lots")
    libraries = TARGET[3]
    assert accepts(libraries, "pgaudit, pg_cron") and not accepts(libraries, "pgaudit,timescaledb")
    assert accepts({"ParameterName": "x"}, "anything")


def test_ranges_with_negative_bounds():
    log_min = {"ParameterName": "log_min_duration_statement", "AllowedValues": "-1-2147483647", "DataType": "integer"}
    assert accepts(log_min, "250") and accepts(log_min, "-1") and not accepts(log_min, "-2")
