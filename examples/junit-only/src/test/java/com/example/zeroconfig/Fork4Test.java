package com.example.zeroconfig;

class Fork4Test extends AbstractFork {}
