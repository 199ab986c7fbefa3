"""Notifications (通知) and reminders: an in-app inbox and e-mail delivered by the task queue.

``subscribers.py`` turns domain events into inbox rows and hands mail to the
queue (``tasks.py``); ``mail.py`` renders and sends one message with retries;
``digest.py`` builds the daily digest and the follow-up reminders.
"""
