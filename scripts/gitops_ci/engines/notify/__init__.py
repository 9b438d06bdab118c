"""notify: one message about the run to Slack, Teams, Discord or any webhook.

`deliver.run` is the pure core; each channel is one module meeting `channel.Channel`, listed in
`registry.CHANNELS`.
"""
