"""The offline engine: the synthesized state machine, run by moto's Step Functions interpreter with the real
handler code, against moto's RDS made as strict as AWS.

    engine/       run a scenario: synthesis and its template, the harness that runs the real handlers without
                  sleeping, the world around task tokens (RDS events, rules, a person), the stack's resources
    enforcement/  what AWS refuses that moto does not: IAM for every call, Step Functions' payload and history limits
    rds/          moto's RDS made realistic, by behaviour: clusters and instances, parameter groups, blue/green,
                  in-place, restore, extra read-only actions, injected faults, endpoints backed by real servers
    catalogue/    Aurora PostgreSQL's versions, upgrade paths and engine default parameters
    databases/    real PostgreSQL servers behind blue and green: the copy, logical replication, traffic, the
                  switchover on the servers and the write probe that measures its downtime
    scenario/     the scenario file: its model, the expected outcome and the readable report

Imports flow engine -> enforcement / rds / scenario / databases -> catalogue (databases imports nothing);
``python -m simulator`` is the front door.
"""
