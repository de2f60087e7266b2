{#- The gap loads and which one is current per country: the latest `loaded` attempt whose rows
    are for that country (docs/architecture.md). -#}
with

load_log as (

    {{ gap_load_log_rows() }}

),

about_rows as (

    {{ gap_raw_rows('gap_about', ['field', 'value']) }}

),

load_countries as (

    select distinct
        _load_id as load_id,
        upper(trim(_country_code)) as country_code

    from about_rows

),

gap_loads as (

    select
        load_log.load_id,
        load_countries.country_code,
        cast(load_log.attempted_at as timestamp) as attempted_at,
        load_log.file_name,
        load_log.file_sha256,
        load_log.superseded_load_id

    from load_log
    inner join load_countries
        on load_log.load_id = load_countries.load_id
    where
        lower(trim(load_log.form)) = 'gaps'
        and lower(trim(load_log.status)) = 'loaded'

),

ranked as (

    select
        *,
        row_number() over (
            partition by country_code
            order by attempted_at desc, load_id desc
        ) as recency_rank

    from gap_loads

),

final as (

    select
        load_id,
        country_code,
        attempted_at,
        file_name,
        file_sha256,
        superseded_load_id,
        recency_rank = 1 as is_current

    from ranked

)

select * from final
