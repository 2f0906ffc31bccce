// React's act() (used by the renderer of @hubspot/ui-extensions/testing) expects this flag in tests.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
