"""Classic nbdev-2-style setup.py: all metadata comes from settings.ini (no pkg_resources)."""
from configparser import ConfigParser
import setuptools

config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

for key in 'version description keywords author author_email'.split():
    assert key in cfg, f"settings.ini is missing `{key}`"

licenses = {'apache2': 'Apache-2.0', 'mit': 'MIT'}  # SPDX expressions
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive']
py_versions = '3.10 3.11 3.12 3.13'.split()

requirements = cfg.get('requirements', '').split()
dev_requirements = cfg.get('dev_requirements', '').split()
extras = {k: cfg.get(f'{k}_requirements', '').split() for k in ('experiments', 'widgets', 'docs')}
extras = {k: v for k, v in extras.items() if v}
extras['dev'] = sorted(set(dev_requirements + sum(extras.values(), [])))
lic = licenses.get(cfg['license'].lower(), cfg['license'])
min_python = cfg['min_python']

setuptools.setup(
    name=cfg['lib_name'],
    license=lic,
    classifiers=['Development Status :: ' + statuses[int(cfg['status'])],
                 'Intended Audience :: ' + cfg['audience'].title(),
                 'Natural Language :: ' + cfg['language'].title()]
               + ['Programming Language :: Python :: ' + o for o in py_versions[py_versions.index(min_python):]],
    url=f"https://github.com/{cfg['user']}/{cfg['repo']}",
    # The experiment notebooks (and their claims file) ship as the data of `geonb.experiments`, read from
    # nbs/experiments/ where they are written: `geonb-run --list` names them, `geonb-run NAME` runs one.
    packages=setuptools.find_packages(include=['geonb', 'geonb.*']) + ['geonb.experiments'],
    package_dir={'geonb.experiments': 'nbs/experiments'},
    package_data={'geonb.experiments': ['*.ipynb', '*.yaml']},
    include_package_data=True,
    install_requires=requirements,
    extras_require=extras,
    python_requires='>=' + min_python,
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={'console_scripts': cfg.get('console_scripts', '').split()},
    version=cfg['version'],
    description=cfg['description'],
    keywords=cfg['keywords'],
    author=cfg['author'],
    author_email=cfg['author_email'],
)
