"""Co-creation: proposals a circle discusses and supports, all-or-nothing campaigns a business
runs on them, and verified reviews.

``proposals`` (proposals and their ranking), ``discussion`` (comments and support),
``images`` (checked, EXIF-free images under the media folder), ``campaigns`` (campaigns and
pledges), ``settlement`` (each due campaign settled exactly once, also at start) and
``reviews``. What only a verified neighbour may do asks ``community.verification``.
May import the domain, the ports and the other services; nothing here imports a framework.
"""
