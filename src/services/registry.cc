// Service dispatch tables; filled in by services/<svc>/.
