"""What AWS enforces that moto does not, held as AWS holds it: IAM for every AWS call a function makes
(its role from the template, the Service Authorization Reference's actions and resources), and Step Functions'
payload and history limits.

May import: nothing else of the simulator.
"""
