-- Temporal keeps its own two databases beside the application's.
CREATE DATABASE temporal;
CREATE DATABASE temporal_visibility;
