-- Scalar macros the models share, created before any model is built (transforms/run.ts). One definition each, so a
-- rule is not pasted into every file that needs it.

-- version_parts: a dotted version as a list of integers, for comparing versions part by part ("15.10" > "15.9.1":
-- DuckDB compares lists element by element). Anything but digits and dots is dropped ("1.2.3 (45)" → 1.2.345 would
-- be wrong, so a space or parenthesis ends the version). Null for a null or empty version.
create or replace macro version_parts(v) as
case
    when nullif(trim(v), '') is not null then
        list_transform(
            string_split(regexp_extract(trim(v), '^[0-9]+(\.[0-9]+)*'), '.'),
            x -> try_cast(x as integer)
        )
end;
