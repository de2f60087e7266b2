{#- Free-text `other` countries of the B2 form resolved to ISO 3166-1 alpha-3, in SQL, so that the
    same project runs on DuckDB and Spark. No hand-written list of spellings: the seeds hold
    pycountry's names in every language and what its fuzzy search compares with
    (tools/country_seeds.py writes them and holds the Python reference `resolve`; a test runs both).
    Order of attempts: exact name in any language (`exact`) -> one word naming several countries
    (`ambiguous`, UNK) -> pycountry's fuzzy search (`fuzzy`) -> a word that names one country only
    (`token`) -> `unresolved` (UNK). -#}
with

imw_nat as (

    select * from {{ ref('stg_kobo__b2_imw_nat') }}

),

ret_cty as (

    select * from {{ ref('stg_kobo__b2_ret_cty') }}

),

emi_cty as (

    select * from {{ ref('stg_kobo__b2_emi_cty') }}

),

iso_countries as (

    select * from {{ ref('iso_countries') }}

),

name_keys as (

    select * from {{ ref('country_name_keys') }}

),

name_tokens as (

    select * from {{ ref('country_name_tokens') }}

),

search_terms as (

    select * from {{ ref('country_search_terms') }}

),

texts as (

    select country_other from imw_nat
    where country_other is not null
    union
    select country_other from ret_cty
    where country_other is not null
    union
    select country_other from emi_cty
    where country_other is not null

),

-- `normalise`: folded, every run of non-word characters one space, compass letters spelled out
words as (

    select
        country_other,
        trim({{ regexp_replace_all(fold_name_key('country_other'), '[^\\p{L}\\p{N}_]+', ' ') }}) as word_text,
        trim({{ fold_search('trim(country_other)') }}) as search_text

    from texts

),

keyed as (

    select
        country_other,
        search_text,
        case
            when word_text like '% %'
                then trim(
                    replace(replace(replace(replace(replace(replace(replace(replace(
                        ' ' || word_text || ' ',
                        ' s ', ' south '
                    ), ' n ', ' north '), ' e ', ' east '), ' w ', ' west '),
                    ' s ', ' south '), ' n ', ' north '), ' e ', ' east '), ' w ', ' west ')
                )
            else word_text
        end as name_key

    from words

),

exact_matches as (

    select
        keyed.country_other,
        min(name_keys.country_code) as country_code

    from keyed
    inner join name_keys on keyed.name_key = name_keys.name_key
    group by keyed.country_other
    having count(distinct name_keys.country_code) = 1

),

ambiguous_words as (

    select keyed.country_other

    from keyed
    inner join name_tokens on keyed.name_key = name_tokens.token
    group by keyed.country_other
    having count(distinct name_tokens.country_code) > 1

),

-- pycountry's countries.search_fuzzy: points per country from four kinds of match
lookup_points as (

    select
        keyed.country_other,
        search_terms.alpha_2,
        50 as points

    from keyed
    inner join search_terms
        on search_terms.term_kind = 'lookup' and keyed.search_text = search_terms.term

),

subdivision_points as (

    select
        keyed.country_other,
        search_terms.alpha_2,
        49 * count(distinct search_terms.subject) as points

    from keyed
    inner join search_terms
        on search_terms.term_kind = 'subdivision_value' and keyed.search_text = search_terms.term
    group by keyed.country_other, search_terms.alpha_2

),

field_hits as (

    select
        keyed.country_other,
        search_terms.alpha_2,
        cast(search_terms.subject as integer) as field_order,
        case
            when keyed.search_text = search_terms.initials then 40
            else greatest(5, 30 - 2 * (instr(search_terms.term, keyed.search_text) - 1))
        end as points

    from keyed
    inner join search_terms
        on
            search_terms.term_kind = 'country_field'
            and (
                keyed.search_text = search_terms.initials
                or instr(search_terms.term, keyed.search_text) > 0
            )

),

ranked_field_hits as (

    select
        country_other,
        alpha_2,
        points,
        row_number() over (partition by country_other, alpha_2 order by field_order) as hit_rank

    from field_hits

),

-- per country only its first name field that matches counts
field_points as (

    select
        country_other,
        alpha_2,
        points

    from ranked_field_hits
    where hit_rank = 1

),

partial_points as (

    select
        keyed.country_other,
        search_terms.alpha_2,
        sum(greatest(1, 5 - (instr(search_terms.term, keyed.search_text) - 1))) as points

    from keyed
    inner join search_terms
        on search_terms.term_kind = 'subdivision_name' and instr(search_terms.term, keyed.search_text) > 0
    group by keyed.country_other, search_terms.alpha_2

),

all_points as (

    select * from lookup_points
    union all
    select * from subdivision_points
    union all
    select * from field_points
    union all
    select * from partial_points

),

fuzzy_scores as (

    select
        country_other,
        alpha_2,
        sum(points) as points

    from all_points
    group by country_other, alpha_2

),

ranked_scores as (

    select
        fuzzy_scores.country_other,
        iso_countries.country_code,
        row_number() over (
            partition by fuzzy_scores.country_other order by fuzzy_scores.points desc, fuzzy_scores.alpha_2 asc
        ) as score_rank

    from fuzzy_scores
    inner join iso_countries on fuzzy_scores.alpha_2 = iso_countries.alpha_2

),

fuzzy_matches as (

    select
        country_other,
        country_code

    from ranked_scores
    where score_rank = 1

),

token_matches as (

    select
        keyed.country_other,
        min(name_tokens.country_code) as country_code

    from keyed
    inner join name_tokens on instr(' ' || keyed.name_key || ' ', ' ' || name_tokens.token || ' ') > 0
    group by keyed.country_other
    having count(distinct name_tokens.country_code) = 1

),

-- every attempt that gave an answer, in the order they are tried; the first one counts
candidates as (

    select
        country_other,
        country_code,
        'exact' as resolution_method,
        1 as attempt
    from exact_matches
    union all
    select
        country_other,
        'UNK' as country_code,
        'ambiguous' as resolution_method,
        2 as attempt
    from ambiguous_words
    union all
    select
        country_other,
        country_code,
        'fuzzy' as resolution_method,
        3 as attempt
    from fuzzy_matches
    union all
    select
        country_other,
        country_code,
        'token' as resolution_method,
        4 as attempt
    from token_matches
    union all
    select
        country_other,
        'UNK' as country_code,
        'unresolved' as resolution_method,
        5 as attempt
    from keyed

),

ranked_candidates as (

    select
        country_other,
        country_code,
        resolution_method,
        row_number() over (partition by country_other order by attempt) as candidate_rank

    from candidates

),

final as (

    select
        ranked_candidates.country_other,
        ranked_candidates.country_code,
        coalesce(iso_countries.country_name, 'Unknown') as country_name,
        ranked_candidates.resolution_method

    from ranked_candidates
    left join iso_countries on ranked_candidates.country_code = iso_countries.country_code
    where ranked_candidates.candidate_rank = 1

)

select * from final
