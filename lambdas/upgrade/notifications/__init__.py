"""What a notification says (milestones, outcomes, what a stopped run left behind) and how it is shaped for
email, Slack Block Kit and AWS Chatbot; the notifier, the EventBridge events it hears, the Slack webhook.

May import: ``shared``, ``post_upgrade`` (the drift report), ``preflight`` (the delete command it advises),
``aws``.
"""
