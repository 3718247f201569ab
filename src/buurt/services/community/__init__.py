"""Who takes part: accounts and tokens, circles and memberships, members, businesses.

Members sign up and get tokens here; businesses and their sites are owned by a member.
"""
