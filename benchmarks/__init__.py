"""``make bench``: what one upgrade costs and how fast the workflow reacts, measured with the simulator."""
