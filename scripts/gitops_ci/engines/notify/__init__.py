"""notify: one message about the run to Slack, Teams, Discord or any webhook.

`core.run` is the core; each channel is one module meeting `channel.Channel`, listed in
`channels.CHANNELS`.
"""
