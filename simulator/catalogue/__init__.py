"""Aurora PostgreSQL's engine catalogue as the simulator serves it: versions (with deprecated ones), valid
upgrade targets, instance classes, and the engine default parameters of each family.

May import: nothing else of the simulator.
"""
