// Test support: filled in by the platform work (a fresh schema per test on the throwaway cluster).
import Postgres
