"""Subsidy claims (补贴申请, issue 10): filing, review, payout and the monthly reward."""
