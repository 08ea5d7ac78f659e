"""Local doubles of the office-IM group robots (WeCom, DingTalk) on 127.0.0.1."""

from devtools.office_im_double.server import RobotDouble

__all__ = ["RobotDouble"]
