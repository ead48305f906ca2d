"""The inbox of buyers' questions and messages: filing, automatic answers, staff answers.

filing.py files a live's questions and answers the common ones (aggregator/core/questions
decides what to say), replies.py sends an answer within the platform's rules through outbound,
staff.py is what the inbox page does for staff. It sits beside aggregator/staff: above the
platforms it writes through.
"""

from __future__ import annotations
